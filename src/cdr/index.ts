// Our own CDR codecs for the messages the classifier consumes and produces (no run-time
// dependency on Foxglove's packages: those are the independent reference in tests).
export * from './messages';
export { CdrReader, CDR_BE, CDR_LE } from './reader';
export { encodeCdr, type CdrSink } from './writer';
export { MESSAGE_DEFINITIONS, CLASSIFICATION_LATENCY_MSG, messageDefinition } from './definitions';
