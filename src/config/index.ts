/** Configuration of `atlog serve`: one settings table, one resolve function, one file loader. */
export { OPTIONS, parseValue, resolveConfig, type ConfigSources, type LogLevel, type OptionSpec, type ServeConfig, type TsaSetting } from './options.js';
export { loadServeConfig, readConfigFile } from './load.js';
