// QoS of the node's endpoints (REP 2003: consumers of sensor data use sensor-data QoS, which
// matches reliable and best-effort publishers and `ros2 bag play`; LabelInfo is latched).
import type { NodeParams } from '../params/schema';
import { QosPolicy, type RclQosObject, type Rclnodejs } from './rclnodejs';

const RELIABILITY: Record<NodeParams['qos.reliability'], number> = {
  best_effort: QosPolicy.RELIABILITY_BEST_EFFORT,
  reliable: QosPolicy.RELIABILITY_RELIABLE,
  system_default: QosPolicy.RELIABILITY_SYSTEM_DEFAULT,
};
const DURABILITY: Record<NodeParams['qos.durability'], number> = {
  volatile: QosPolicy.DURABILITY_VOLATILE,
  transient_local: QosPolicy.DURABILITY_TRANSIENT_LOCAL,
  system_default: QosPolicy.DURABILITY_SYSTEM_DEFAULT,
};

/** Input subscription: keep last `qos.depth`, with the configured reliability and durability. */
export function inputQos(rcl: Pick<Rclnodejs, 'QoS'>, p: Pick<NodeParams, 'qos.reliability' | 'qos.durability' | 'qos.depth'>): RclQosObject {
  return new rcl.QoS(QosPolicy.HISTORY_KEEP_LAST, p['qos.depth'], RELIABILITY[p['qos.reliability']], DURABILITY[p['qos.durability']]);
}

/** label_info: reliable, transient local, depth 1, so late subscribers get the class map. */
export function latchedQos(rcl: Pick<Rclnodejs, 'QoS'>): RclQosObject {
  return new rcl.QoS(QosPolicy.HISTORY_KEEP_LAST, 1, QosPolicy.RELIABILITY_RELIABLE, QosPolicy.DURABILITY_TRANSIENT_LOCAL);
}

/** Results and diagnostics: rclcpp's default (reliable, volatile, keep last 10). */
export const RESULT_QOS = 'qos_profile_default';
