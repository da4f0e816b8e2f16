// Public surface of app: the composition roots (the only code that constructs sockets, stores and servers).
export { startGateway, type StartGatewayOptions, type RunningGateway } from './gateway-app.js';
export { startSimulator, type StartSimulatorOptions, type RunningSimulator } from './simulator-app.js';
export { startDemo, freeUdpPort, type StartDemoOptions, type DemoInfo, type RunningDemo } from './demo-app.js';
export { demoCommands, type DemoCommand } from './demo-commands.js';
export { openClient, type OpenClientOptions, type OpenClient } from './client-app.js';
