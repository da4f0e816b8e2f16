// The copy-paste coap-client (libcoap 4.3) commands the demo prints for the vendor guide's walk-through.

export interface DemoCommand {
  /** What the command does, one line. */
  readonly title: string;
  /** A shell command line (POSIX sh). */
  readonly command: string;
  /** The response code a user should see (for the demo's own tests). */
  readonly expect: string;
}

export interface DemoCommandInput {
  /** `coap://127.0.0.1:5683` */
  readonly gatewayUri: string;
  /** The local UDP port every command uses: the session is bound to it. */
  readonly clientPort: number;
  readonly token: string;
  /** A device host name, e.g. `SSN001350050005E7D6.starfish.test`. */
  readonly device: string;
}

const CLIENT = 'coap-client-notls';

export function demoCommands(input: DemoCommandInput): DemoCommand[] {
  const p = `-p ${input.clientPort}`;
  const proxy = `-P ${input.gatewayUri}`;
  const dev = `coap://${input.device}:5683`;
  return [
    { title: 'Read the gateway help', command: `${CLIENT} -m get ${p} ${input.gatewayUri}/help`, expect: '2.05' },
    { title: 'Log in (POST the token to /sessions)', command: `printf '%s' '${input.token}' | ${CLIENT} -m post ${p} -t 0 -f - ${input.gatewayUri}/sessions`, expect: '2.01' },
    { title: "List the device's resources", command: `${CLIENT} -m get ${p} ${proxy} ${dev}/.well-known/core`, expect: '2.05' },
    { title: "Read the device's clock", command: `${CLIENT} -m get ${p} ${proxy} ${dev}/time`, expect: '2.05' },
    { title: 'Observe the clock for 5 seconds', command: `${CLIENT} -m get -s 5 ${p} ${proxy} ${dev}/time`, expect: '2.05' },
    { title: 'Read the GPIO pins', command: `${CLIENT} -m get ${p} ${proxy} ${dev}/gpio`, expect: '2.05' },
    { title: 'An unknown resource', command: `${CLIENT} -m get ${p} ${proxy} ${dev}/dummy`, expect: '5.01' },
    { title: 'Log out', command: `${CLIENT} -m delete ${p} ${input.gatewayUri}/sessions`, expect: '2.02' },
  ];
}
