// Exactly the part of rclnodejs 2.2 this package uses, typed here because rclnodejs' own typings
// need a generated interfaces.d.ts that exists only after installing it on a ROS machine. Checked
// against rclnodejs' published declarations by test/ros/typecheck (assignability both ways).
// Sources: rclnodejs 2.2.0 types/{index,node,parameter,qos,publisher,subscription,timer,logging}.d.ts.

/** rclnodejs ParameterType (an ambient const enum there, so numeric literals here). */
export const ParameterType = {
  PARAMETER_NOT_SET: 0,
  PARAMETER_BOOL: 1,
  PARAMETER_INTEGER: 2,
  PARAMETER_DOUBLE: 3,
  PARAMETER_STRING: 4,
} as const;
export type ParameterTypeValue = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** rmw QoS policy values (rclnodejs QoS.*Policy enums). */
export const QosPolicy = {
  HISTORY_KEEP_LAST: 1,
  RELIABILITY_SYSTEM_DEFAULT: 0,
  RELIABILITY_RELIABLE: 1,
  RELIABILITY_BEST_EFFORT: 2,
  DURABILITY_SYSTEM_DEFAULT: 0,
  DURABILITY_TRANSIENT_LOCAL: 1,
  DURABILITY_VOLATILE: 2,
} as const;

export interface RclParameter {
  readonly name: string;
  readonly type: number;
  value: unknown; // bigint for PARAMETER_INTEGER
}

export interface RclParameterDescriptor {
  readonly name: string;
  readonly type: number;
  readonly description: string;
  readonly readOnly: boolean;
  additionalConstraints: string;
}

/** rclnodejs' d.ts types the bounds as number; an IntegerRange holds bigints at run time. */
export interface RclRange {
  readonly fromValue: number;
  readonly toValue: number;
  readonly step: number;
  inRange(value: number): boolean;
  isValidType(parameterType: number): boolean;
}

export interface SetParametersResult {
  successful: boolean;
  reason: string;
}

export interface RclTime {
  readonly secondsAndNanoseconds: { seconds: bigint; nanoseconds: bigint };
}

export interface RclLogger {
  debug(message: string): boolean;
  info(message: string): boolean;
  warn(message: string): boolean;
  error(message: string): boolean;
}

export interface RclPublisher {
  readonly topic: string;
  publish(message: Buffer): void;
}

export interface RclSubscription {
  readonly topic: string;
}

export interface RclTimer {
  cancel(): void;
}

/**
 * A QoS object. rclnodejs' declarations give `reliability` as a method; its JS has a getter. We
 * only construct these and hand them back, never read them.
 */
export interface RclQosObject {
  history: number;
  depth: number;
  reliability(): number;
  durability: number;
  liveliness: number;
  avoidRosNameSpaceConventions: boolean;
}

/** The QoS argument: a profile name ('qos_profile_sensor_data', ...) or a QoS object. */
export type RclQos = string | RclQosObject;

export interface RclEntityOptions {
  isRaw?: boolean;
  qos?: RclQos;
}

/** rclnodejs NodeOptions (create with `new rcl.NodeOptions()`, then set parameterOverrides). */
export interface RclNodeOptions {
  startParameterServices: boolean;
  parameterOverrides: RclParameter[];
  automaticallyDeclareParametersFromOverrides: boolean;
  enableRosout: boolean;
  rosoutQos: RclQos;
  enableLoggerService: boolean;
}

export interface RclNode {
  name(): string;
  namespace(): string;
  getLogger(): RclLogger;
  now(): RclTime;
  spin(timeout?: number): void;
  stop(): void;
  destroy(): void;
  createSubscription(typeClass: string, topic: string, options: RclEntityOptions, callback: (message: Buffer) => void): RclSubscription;
  createPublisher(typeClass: string, topic: string, options?: RclEntityOptions): RclPublisher;
  createTimer(period: bigint, callback: () => void): RclTimer;
  declareParameter(parameter: RclParameter, descriptor?: RclParameterDescriptor): RclParameter;
  getParameter(name: string): RclParameter;
  setParameter(parameter: RclParameter): SetParametersResult;
  addPreSetParametersCallback(callback: (parameters: RclParameter[]) => RclParameter[]): void;
  addOnSetParametersCallback(callback: (parameters: RclParameter[]) => SetParametersResult): void;
  addPostSetParametersCallback(callback: (parameters: RclParameter[]) => void): void;
}

/** The module object (`require('rclnodejs')`, CommonJS build). */
export interface Rclnodejs {
  init(context?: undefined, argv?: string[]): Promise<void>;
  shutdown(): void;
  isShutdown(): boolean;
  removeSignalHandlers(): void;
  Node: new (name: string, namespace?: string, context?: undefined, options?: RclNodeOptions) => RclNode;
  NodeOptions: new () => RclNodeOptions;
  Parameter: new (name: string, type: ParameterTypeValue, value?: unknown) => RclParameter;
  ParameterDescriptor: new (name: string, type: ParameterTypeValue, description?: string, readOnly?: boolean, range?: RclRange) => RclParameterDescriptor;
  IntegerRange: new (from: bigint, to: bigint, step?: bigint) => RclRange;
  FloatingPointRange: new (from: number, to: number, step?: number, tolerance?: number) => RclRange;
  QoS: new (history?: number, depth?: number, reliability?: number, durability?: number) => RclQosObject;
}
