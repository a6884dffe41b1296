// `mnv4 bench <what>`: each benchmark lives in bench/<what>.ts and exports run(argv).
type Bench = { run(argv: string[]): Promise<number> };

const benches: Record<string, () => Bench> = {
  preprocess: () => require('../../bench/preprocess'),
  pool: () => require('../../bench/pool'),
  replay: () => require('../../bench/replay'),
  cpu: () => require('../../bench/cpu'),
};

export async function run(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  const load = what ? benches[what] : undefined;
  if (!load) {
    console.error(`usage: mnv4 bench <${Object.keys(benches).join('|')}> [options]`);
    return 2;
  }
  return load().run(rest);
}
