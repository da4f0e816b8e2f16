// Public surface of app: the composition roots (the only code that constructs sockets, stores and servers).
export { startGateway, type StartGatewayOptions, type RunningGateway } from './gateway-app.js';
export { startSimulator, type StartSimulatorOptions, type RunningSimulator } from './simulator-app.js';
