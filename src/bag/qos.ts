// offered_qos_profiles as rosbag2 (Humble) records it: a YAML list of profiles with the rmw enum
// values (history 1 keep_last; reliability 1 reliable, 2 best_effort; durability 1
// transient_local, 2 volatile; liveliness 1 automatic) and "infinite" durations as rmw's maxima.
export interface QosSpec {
  reliability: 'reliable' | 'best_effort';
  durability: 'volatile' | 'transient_local';
  depth: number;
}

const INFINITE = '    sec: 9223372036\n    nsec: 854775807';

export function qosProfileYaml(q: QosSpec): string {
  return [
    '- history: 1',
    `  depth: ${q.depth}`,
    `  reliability: ${q.reliability === 'reliable' ? 1 : 2}`,
    `  durability: ${q.durability === 'transient_local' ? 1 : 2}`,
    '  deadline:',
    INFINITE,
    '  lifespan:',
    INFINITE,
    '  liveliness: 1',
    '  liveliness_lease_duration:',
    INFINITE,
    '  avoid_ros_namespace_conventions: false',
  ].join('\n');
}

export const QOS_SENSOR_DATA: QosSpec = { reliability: 'best_effort', durability: 'volatile', depth: 5 };
export const QOS_DEFAULT: QosSpec = { reliability: 'reliable', durability: 'volatile', depth: 10 };
export const QOS_LATCHED: QosSpec = { reliability: 'reliable', durability: 'transient_local', depth: 1 };
