/** The configuration file's schema (zod); the JSON Schema for editors is generated from it. */
import { z } from 'zod';

export const pluginEntrySchema = z.union([
  z.string().min(1).describe('npm package name or path of the plugin (relative to the config file)'),
  z
    .object({
      plugin: z.string().min(1).describe('npm package name or path of the plugin'),
      options: z.record(z.string(), z.unknown()).optional().describe("the plugin's options (validated by the plugin)"),
    })
    .strict(),
]);

/** Where a source network's NICs attach: `network:NAME`, `bridge:NAME`, or a bare libvirt network name. */
export const networkTargetSchema = z.string().regex(/^(?:(?:network|bridge):)?[^\s:]+$/, 'expected "network:NAME", "bridge:NAME" or a network name');

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    $comment: z.string().optional(),
    plugins: z
      .array(pluginEntrySchema)
      .optional()
      .describe('plugins to enable, in order; without this key the built-in preset (every official plugin) applies'),
    output: z
      .object({
        format: z.enum(['qcow2', 'raw']).default('qcow2').describe('disk format of the converted disks'),
        compress: z.boolean().default(false).describe('zstd-compressed qcow2 output'),
        checksum: z
          .boolean()
          .default(false)
          .describe('SHA-256 of each converted disk in the report (reads the whole output once more after conversion, ~1.5 s/GiB)'),
      })
      .strict()
      .default({ format: 'qcow2', compress: false, checksum: false }),
    source: z
      .object({
        verifyChecksums: z
          .boolean()
          .default(true)
          .describe("check every file an export's manifest (.mf) lists before migrating; a mismatch refuses the source"),
        luks: z
          .array(
            z
              .object({
                device: z
                  .string()
                  .regex(/^\/dev\/\S+$/, 'a device as the appliance shows it, e.g. /dev/sda2')
                  .optional()
                  .describe('the LUKS volume this key opens (default: every LUKS volume)'),
                keyFile: z.string().min(1).optional().describe('a key file, used byte for byte (relative to the config file)'),
                passphraseFile: z
                  .string()
                  .min(1)
                  .optional()
                  .describe('a file holding the passphrase; one trailing newline is dropped (relative to the config file)'),
              })
              .strict()
              .refine((entry) => (entry.keyFile === undefined) !== (entry.passphraseFile === undefined), 'give exactly one of keyFile and passphraseFile'),
          )
          .default([])
          .describe('keys for encrypted (LUKS) volumes; keys are read from files only, never written in the config'),
      })
      .strict()
      .default({ verifyChecksums: true, luks: [] }),
    networks: z
      .record(z.string().min(1), networkTargetSchema)
      .default({})
      .describe(
        'source network name → where its NICs attach on KVM: "network:NAME" (a libvirt network), "bridge:NAME" (a host bridge) or a bare NAME (a libvirt network); the key "*" covers every other network',
      ),
    virtioWin: z
      .string()
      .optional()
      .describe(
        'virtio-win ISO or directory, relative to the config file (--virtio-win wins over it; default: $VIRTIO_WIN, then /usr/share/virtio-win/virtio-win.iso)',
      ),
    parallelism: z
      .object({
        vms: z.int().min(1).max(64).default(1).describe('VMs migrated at once by `batch`'),
        convertCoroutines: z.int().min(1).max(16).default(8).describe('qemu-img convert -m'),
      })
      .strict()
      .default({ vms: 1, convertCoroutines: 8 }),
    appliance: z
      .object({
        vcpus: z
          .union([z.literal('auto'), z.int().min(1).max(16)])
          .default('auto')
          .describe("vCPUs of the libguestfs appliance; auto: 2 on a host with 4 CPUs or more (for the guest's own initramfs rebuild), else 1"),
        memoryMiB: z.int().min(512).max(65536).default(1024).describe('memory of the libguestfs appliance, MiB'),
      })
      .strict()
      .default({ vcpus: 'auto', memoryMiB: 1024 }),
    accel: z.enum(['auto', 'kvm', 'tcg']).default('auto').describe('accelerator for the appliance and verify boots; auto probes KVM and falls back to TCG'),
  })
  .strict();

export type PluginEntry = z.input<typeof pluginEntrySchema>;
export type Hyper2kvmConfigInput = z.input<typeof configSchema>;
export type Hyper2kvmConfig = z.output<typeof configSchema>;

/** JSON Schema of the config file for editors (`hyper2kvm config --schema`). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'hyper2kvm configuration',
  };
}
