// `mnv4 node`: rclnodejs init, the classifier node, spin, and a shutdown on SIGINT or SIGTERM that
// ends the process within 2 s. rclnodejs handles only SIGINT (and just destroys its nodes), while
// `ros2 launch` escalates to SIGTERM, so both are ours.
import { ClassifierNode, StartupError } from './classifier_node';
import type { ClassifierDeps } from './ports';
import type { Rclnodejs } from './rclnodejs';

/** The whole shutdown must fit in this; past it the process exits regardless. */
export const SHUTDOWN_DEADLINE_MS = 1800;

export interface RunOptions {
  argv: string[];
  rcl: Rclnodejs;
  deps: ClassifierDeps;
  /** Called once the node spins (tests use it to know when to send frames or signals). */
  onReady?: (node: ClassifierNode) => void;
  exit?: (code: number) => void;
  log?: (line: string) => void;
}

/** Resolves with the exit code once the node has shut down. */
export async function runNode(o: RunOptions): Promise<number> {
  const log = o.log ?? ((l: string) => console.error(l));
  const exit = o.exit ?? ((c: number) => process.exit(c));
  const { rcl } = o;

  // rcl parses the ROS arguments of this argv (remaps, log level, params for rclnodejs itself).
  await rcl.init(undefined, ['mnv4', ...o.argv]);
  rcl.removeSignalHandlers();

  let node: ClassifierNode;
  try {
    node = await ClassifierNode.start({ argv: o.argv, rcl, deps: o.deps });
  } catch (err) {
    if (!rcl.isShutdown()) rcl.shutdown();
    if (err instanceof StartupError) {
      log(`mnv4 node: ${err.message}`);
      return 1;
    }
    throw err;
  }

  return new Promise<number>((resolve) => {
    let signalled: NodeJS.Signals | undefined;
    const onSignal = (sig: NodeJS.Signals) => {
      if (signalled) {
        log(`mnv4 node: ${sig} again, exiting now`);
        exit(130);
        return;
      }
      signalled = sig;
      const deadline = setTimeout(() => {
        log(`mnv4 node: shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms, exiting`);
        exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      node
        .shutdown()
        .catch((err: Error) => log(`mnv4 node: error during shutdown: ${err.message}`))
        .finally(() => {
          clearTimeout(deadline);
          // Anything still holding the event loop open after this is a leak; do not hang on it.
          setTimeout(() => {
            log('mnv4 node: handles still open after shutdown, exiting');
            exit(0);
          }, 200).unref();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          if (!rcl.isShutdown()) rcl.shutdown();
          resolve(0);
        });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    node.node.spin();
    o.onReady?.(node);
  });
}
