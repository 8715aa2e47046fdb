import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AtlogError } from '../errors.js';
import { resolveConfig, type ServeConfig } from './options.js';

/**
 * Reads a config file. JSON is a subset of YAML 1.2, so one YAML parser reads both; the file must hold a
 * mapping at the top level.
 * @throws AtlogError ERR_CONFIG_UNREADABLE when the file cannot be read, ERR_CONFIG_INVALID when it does not
 *   parse or is not a mapping.
 */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AtlogError('ERR_CONFIG_UNREADABLE', `cannot read config file ${path}`, { cause });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (cause) {
    throw new AtlogError('ERR_CONFIG_INVALID', `config file ${path} is neither YAML nor JSON`, { cause });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AtlogError('ERR_CONFIG_INVALID', `config file ${path} must hold a mapping of settings`);
  }
  return value as Record<string, unknown>;
}

/**
 * Settings of `atlog serve` from flags, the environment and an optional config file (`--config FILE` or
 * `ATLOG_CONFIG`), in that precedence.
 */
export function loadServeConfig(
  flags: Partial<Record<keyof ServeConfig, unknown>>,
  configPath: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ServeConfig {
  const path = configPath ?? (env.ATLOG_CONFIG || undefined);
  const file = path === undefined ? {} : readConfigFile(path);
  return resolveConfig({ flags, env, file });
}
