// ESM entry: the same module as index.js (CommonJS).
import cjs from './index.js';

export const cooperate = cjs.cooperate;
export const WIRE = cjs.WIRE;
export default cjs;
