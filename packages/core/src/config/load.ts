/** Finds and validates the configuration file (cosmiconfig, module name `hyper2kvm`). */
import { displayPath } from '../format.js';
import { cosmiconfig, defaultLoaders } from 'cosmiconfig';
import { ConfigError } from '../errors.js';
import { formatIssues } from './format-issues.js';
import { configSchema, type Hyper2kvmConfig } from './schema.js';

export const CONFIG_MODULE_NAME = 'hyper2kvm';

/** Where cosmiconfig looks, in order, in each directory from the start folder up to the project root. */
export const CONFIG_SEARCH_PLACES = [
  'package.json',
  `.${CONFIG_MODULE_NAME}rc`,
  `.${CONFIG_MODULE_NAME}rc.json`,
  `.${CONFIG_MODULE_NAME}rc.yaml`,
  `.${CONFIG_MODULE_NAME}rc.yml`,
  `.${CONFIG_MODULE_NAME}rc.js`,
  `.${CONFIG_MODULE_NAME}rc.mjs`,
  `.${CONFIG_MODULE_NAME}rc.ts`,
  `${CONFIG_MODULE_NAME}.config.json`,
  `${CONFIG_MODULE_NAME}.config.yaml`,
  `${CONFIG_MODULE_NAME}.config.yml`,
  `${CONFIG_MODULE_NAME}.config.js`,
  `${CONFIG_MODULE_NAME}.config.mjs`,
  `${CONFIG_MODULE_NAME}.config.ts`,
];

export interface LoadedConfig {
  config: Hyper2kvmConfig;
  /** Absolute path of the config file, or `null` when none was found. */
  filePath: string | null;
  /** How the file is named in messages (relative to the working directory). */
  displayName: string;
  /** The file's content before validation (for error messages about plugin options). */
  raw: unknown;
}

export interface LoadConfigOptions {
  /** Folder to start searching from (default: the working directory). */
  cwd?: string;
  /** Use this file instead of searching. */
  file?: string;
}

/** Validates an already-parsed configuration object. */
export function validateConfig(raw: unknown, displayName: string): Hyper2kvmConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(formatIssues(displayName, result.error.issues, raw));
  return result.data;
}

/** Loads the config: `options.file` if given, else the nearest one cosmiconfig finds. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const explorer = cosmiconfig(CONFIG_MODULE_NAME, {
    searchPlaces: CONFIG_SEARCH_PLACES,
    searchStrategy: 'project',
    loaders: { ...defaultLoaders, '.yml': defaultLoaders['.yaml'] },
    cache: false,
  });
  let result: Awaited<ReturnType<typeof explorer.search>>;
  try {
    result = options.file ? await explorer.load(options.file) : await explorer.search(cwd);
  } catch (error) {
    // cosmiconfig says "JSON Error in /abs/file:" then the parser's details on the next lines.
    const message = error instanceof Error ? error.message : String(error);
    const failedFile = (error as { filepath?: string }).filepath ?? /Error in (.+?):\s*$/m.exec(message)?.[1] ?? options.file;
    const file = failedFile ? displayPath(failedFile, cwd) : 'config';
    const details = message
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !/Error in .+:$/.test(line));
    throw new ConfigError([`${file}: cannot read the configuration: ${details[0] ?? message}`], { cause: error });
  }
  if (!result) return { config: validateConfig({}, '(defaults)'), filePath: null, displayName: '(built-in preset)', raw: {} };
  const displayName = displayPath(result.filepath, cwd);
  return { config: validateConfig(result.config, displayName), filePath: result.filepath, displayName, raw: result.config };
}
