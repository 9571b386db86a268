export * from './analytic';
export { HARDWARE_PRESETS, findHardware, type HardwarePreset } from './hardware';
export { MODEL_PRESETS, findModelPreset, type ModelPreset } from './models';
