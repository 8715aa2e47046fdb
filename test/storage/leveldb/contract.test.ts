import { LevelDbStorage } from '../../../src/storage/index.js';
import { removeTempDir, tempDir } from '../../helpers/temp.js';
import { storageContract } from '../contract.js';

storageContract('leveldb', () => {
  const dir = tempDir('atlog-log-');
  return { open: () => LevelDbStorage.open(dir), cleanup: () => removeTempDir(dir) };
});
