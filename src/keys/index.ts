/** Keys: COSE_Key, COSE_KeySet, PEM, RFC 9679 thumbprints, generation (docs/architecture.md). */
export type { CoseKeyMap, PrivateKey, PublicKey } from './types.js';
export { isPrivateKey } from './types.js';
export { thumbprint } from './thumbprint.js';
export { generateKey } from './generate.js';
export { importCoseKey, importCoseKeySet, exportCoseKey, exportCoseKeySet } from './cose-key.js';
export { importPem, exportSpkiPem, exportPkcs8Pem } from './pem.js';
export { parseKeyFile, parsePublicKeys } from './parse.js';
export { mldsaFromSeed } from './mldsa.js';
