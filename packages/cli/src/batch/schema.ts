/**
 * The batch file (`migrations.yaml`): groups of VMs found by glob patterns,
 * each with its output folder, parallelism and optional plugin list.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, displayPath, formatIssues, pluginEntrySchema, type PluginEntry } from '@hyper2kvm/core';

const groupSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore, starting with a letter or digit')
      .describe('group name, unique in the file'),
    source_pattern: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe('glob pattern(s) relative to the batch file; every match is one VM'),
    output_dir: z.string().min(1).describe('each VM goes to <output_dir>/<vm-name>/'),
    parallel: z.int().min(1).max(64).default(1).describe('VMs of this group migrated at once'),
    concurrent: z.boolean().default(false).describe('start together with the previous group instead of after it'),
    plugins: z.array(pluginEntrySchema).optional().describe("replaces the plugin list of the main config for this group's VMs"),
    format: z.enum(['qcow2', 'raw']).optional().describe("overrides the main config's output format"),
    compress: z.boolean().optional().describe("overrides the main config's output compression"),
  })
  .strict();

export const batchFileSchema = z
  .object({
    $schema: z.string().optional(),
    config: z.string().min(1).optional().describe('hyper2kvm config file for every VM (default: searched from the batch file folder)'),
    parallel: z.int().min(1).max(64).optional().describe('global cap on VMs migrated at once (--parallel overrides)'),
    state_file: z.string().min(1).optional().describe('where the batch records each VM (default: .hyper2kvm-batch-<file name>.json beside the batch file)'),
    migrations: z.array(groupSchema).min(1),
  })
  .strict()
  .superRefine((file, context) => {
    const seen = new Map<string, number>();
    for (const [index, group] of file.migrations.entries()) {
      const first = seen.get(group.name);
      if (first !== undefined)
        context.addIssue({
          code: 'custom',
          path: ['migrations', index, 'name'],
          message: `duplicate group name ${JSON.stringify(group.name)} (also migrations[${first}])`,
        });
      else seen.set(group.name, index);
    }
  });

export type BatchFile = z.output<typeof batchFileSchema>;
export type BatchGroupConfig = BatchFile['migrations'][number];

/** A validated batch file with paths resolved against its folder. */
export interface LoadedBatchFile {
  file: BatchFile;
  /** Absolute path of the batch file. */
  path: string;
  /** How the file is named in messages (relative to the working directory when inside it). */
  displayName: string;
  /** Folder that relative patterns, output folders and plugin paths resolve from. */
  baseDir: string;
}

/** Checks parsed batch content; throws ConfigError with one `file: path: problem` line per issue. */
export function validateBatchFile(raw: unknown, displayName: string): BatchFile {
  const result = batchFileSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(formatIssues(displayName, result.error.issues, raw));
  return result.data;
}

/** Reads a YAML (or JSON) batch file and validates it. */
export async function loadBatchFile(path: string, cwd: string): Promise<LoadedBatchFile> {
  const absolute = resolve(cwd, path);
  const displayName = displayPath(absolute, cwd);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `${displayName}: cannot read the batch file: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`,
    ]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new ConfigError([`${displayName}: cannot parse the batch file: ${(error as Error).message.split('\n')[0]}`]);
  }
  return { file: validateBatchFile(raw, displayName), path: absolute, displayName, baseDir: dirname(absolute) };
}

/** Plugin path specifiers made absolute, so they resolve from the batch file and not from the main config. */
export function resolvePluginPaths(entries: PluginEntry[], baseDir: string): PluginEntry[] {
  const absolute = (specifier: string): string => (specifier.startsWith('./') || specifier.startsWith('../') ? resolve(baseDir, specifier) : specifier);
  return entries.map((entry) => (typeof entry === 'string' ? absolute(entry) : { ...entry, plugin: absolute(entry.plugin) }));
}
