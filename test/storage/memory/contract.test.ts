import { MemoryStorage, MemoryVolume } from '../../../src/storage/index.js';
import { storageContract } from '../contract.js';

storageContract('memory', () => {
  const volume = new MemoryVolume();
  return { open: () => MemoryStorage.open(volume), cleanup: () => undefined };
});
