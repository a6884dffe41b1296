// Loading rclnodejs: the only place that does. Importing rclnodejs without a sourced ROS 2 tries
// a node-gyp build at import time, so it is required lazily and only after checking the environment.
import type { Rclnodejs } from './rclnodejs';

export const ROS_SETUP_HINT = [
  'Source ROS 2 first:',
  '  source /opt/ros/humble/setup.bash        # ROS 2 Humble',
  '  source /opt/tros/humble/setup.bash       # TogetheROS (TROS) on the RDK X5',
  'then install rclnodejs next to this package (it is an optional peer dependency):',
  '  npm install --no-save rclnodejs@2.2.0 && npx generate-ros-messages',
].join('\n');

/** Why rclnodejs cannot be loaded in this environment, or undefined when it can be tried. */
export function rosEnvironmentProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing = ['ROS_DISTRO', 'AMENT_PREFIX_PATH'].filter((k) => !env[k]);
  if (missing.length === 0) return undefined;
  return `no ROS 2 environment (${missing.join(' and ')} not set).\n${ROS_SETUP_HINT}`;
}

export class RosUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RosUnavailableError';
  }
}

/** require('rclnodejs') after the environment check; every failure is a RosUnavailableError. */
export function loadRclnodejs(env: NodeJS.ProcessEnv = process.env, req: (id: string) => unknown = require): Rclnodejs {
  const problem = rosEnvironmentProblem(env);
  if (problem) throw new RosUnavailableError(problem);
  let mod: unknown;
  try {
    mod = req('rclnodejs');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'MODULE_NOT_FOUND' ? 'rclnodejs is not installed' : `rclnodejs failed to load: ${e.message}`;
    throw new RosUnavailableError(`${why} (ROS_DISTRO=${env.ROS_DISTRO}).\n${ROS_SETUP_HINT}`);
  }
  // The ESM build exports only `default`; the CommonJS one is the module itself.
  const m = mod as Rclnodejs & { default?: Rclnodejs };
  return typeof m.init === 'function' ? m : (m.default as Rclnodejs);
}
