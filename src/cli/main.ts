// `mnv4` dispatcher. Each sub-command lives in its own module with `run(argv): Promise<number>`,
// loaded only when called, so `mnv4 preprocess` never loads ONNX Runtime and nothing loads rclnodejs
// except `mnv4 node`.
type Command = { summary: string; load: () => { run(argv: string[]): Promise<number> } };

const commands: Record<string, Command> = {
  classify: { summary: 'classify image files', load: () => require('./classify') },
  preprocess: { summary: 'write the NV12 bytes the BPU would get', load: () => require('./preprocess') },
  replay: { summary: 'replay a rosbag2 bag through the classifier (no ROS needed)', load: () => require('./replay') },
  demo: { summary: 'replay the bundled sample bag on the CPU and print labels and latency', load: () => require('./demo') },
  node: { summary: 'run the ROS 2 node (needs a sourced ROS 2)', load: () => require('./node') },
  models: { summary: 'list or download models', load: () => require('./models') },
  bench: { summary: 'benchmarks: preprocess, pool, replay', load: () => require('./bench') },
};

export function usage(): string {
  const lines = ['usage: mnv4 <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(11)} ${c.summary}`);
  lines.push('', 'Run `mnv4 <command> --help` for a command\'s options.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`mnv4: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return command.load().run(rest);
}
