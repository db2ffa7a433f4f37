// One checker for every options object: core's, so the module and the engine agree on what is known.
export { checkKnownKeys, type OptionShape as Shape } from '@tiercache/core';
