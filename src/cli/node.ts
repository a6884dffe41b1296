// `mnv4 node [--ros-args ...]`: the ROS 2 node. Without a sourced ROS 2 it stops at once and says
// what to source; rclnodejs is loaded only after that check.
import { RosUnavailableError, ROS_SETUP_HINT, loadRclnodejs, rosEnvironmentProblem } from '../ros/load';
import { defaultDeps } from '../ros/wiring';
import { runNode } from '../ros/run';

const HELP = `usage: mnv4 node [--ros-args -p name:=value --params-file FILE -r __ns:=/ns -r image_raw:=/camera/image_raw ...]

Runs the ROS 2 node mobilenetv4_classifier: subscribes image_raw (or image_raw/compressed with
-p input_transport:=compressed), publishes classification, classification/latency, label_info and
/diagnostics. Parameters: see config/params.yaml. Needs a sourced ROS 2 and rclnodejs:

${ROS_SETUP_HINT}`;

export async function run(argv: string[]): Promise<number> {
  const rosStart = argv.indexOf('--ros-args');
  const own = rosStart < 0 ? argv : argv.slice(0, rosStart);
  if (own.includes('--help') || own.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  const problem = rosEnvironmentProblem();
  if (problem) {
    console.error(`mnv4 node: ${problem}`);
    return 2;
  }
  let rcl;
  try {
    rcl = loadRclnodejs();
  } catch (err) {
    if (err instanceof RosUnavailableError) {
      console.error(`mnv4 node: ${err.message}`);
      return 2;
    }
    throw err;
  }
  return runNode({ argv, rcl, deps: defaultDeps() });
}
