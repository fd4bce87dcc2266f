import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { COMMON_OPTIONS } from '../args.js';
import { COMMANDS } from '../command-table.js';
import { bashCompletion } from './bash.js';
import { fishCompletion } from './fish.js';
import { zshCompletion } from './zsh.js';

const definitions = COMMANDS.map((entry) => entry.definition);
const bash = bashCompletion(definitions);

/** What the generated bash completion offers for a command line whose last word is being typed. */
async function complete(...words: string[]): Promise<string[]> {
  const script = `${bash}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _hyper2kvm; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await execa('bash', ['-c', script], { cwd: import.meta.dirname });
  return stdout.split('\n').filter(Boolean);
}

describe('shell completion', () => {
  it('covers every command and every option the parser accepts, in all three shells', () => {
    for (const script of [bash, zshCompletion(definitions), fishCompletion(definitions)]) {
      for (const definition of definitions) {
        expect(script).toContain(definition.name);
        for (const option of Object.keys({ ...COMMON_OPTIONS, ...definition.options })) expect(script).toContain(option);
      }
    }
    expect(definitions.map((definition) => definition.name)).toEqual(expect.arrayContaining(['migrate', 'doctor', 'completion']));
  });

  it('bash offers commands, options, the words of an option and files', async () => {
    expect(await complete('hyper2kvm', 'mi')).toEqual(['migrate']);
    expect(await complete('hyper2kvm', 'do')).toEqual(['doctor']);
    expect(await complete('hyper2kvm', 'migrate', '--for')).toEqual(['--format']);
    expect(await complete('hyper2kvm', 'migrate', '--format', '')).toEqual(['qcow2', 'raw']);
    expect(await complete('hyper2kvm', 'verify', '--bus', 's')).toEqual(['scsi', 'sata']);
    expect(await complete('hyper2kvm', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
    // Files where a command takes sources, folders where an option takes a folder (this test's folder holds these).
    expect(await complete('hyper2kvm', 'inspect', 'bash.t')).toEqual(['bash.ts']);
    expect(await complete('hyper2kvm', 'migrate', 'x.ova', '--output', '../liv')).toEqual(['../live']);
    expect(await complete('hyper2kvm', 'doctor', '--virtio-win', 'fish')).toEqual(['fish.ts']);
  });

  it('writes scripts bash can parse, with zsh and fish syntax shaped as those shells want', async () => {
    await expect(execa('bash', ['-n'], { input: bash })).resolves.toMatchObject({ exitCode: 0 });
    const zsh = zshCompletion(definitions);
    expect(zsh.startsWith('#compdef hyper2kvm\n')).toBe(true);
    expect(zsh).toContain("'--format=:format:(qcow2 raw)'");
    expect(zsh).toContain("'--output=:output:_files -/'");
    expect(zsh).toContain("'*--luks-key=:luks-key:_files'");
    const fish = fishCompletion(definitions);
    expect(fish).toContain("complete -c hyper2kvm -n '__fish_seen_subcommand_from migrate' -l format -r -f -a 'qcow2 raw'");
    expect(fish).toContain("complete -c hyper2kvm -n '__fish_seen_subcommand_from inspect' -F");
  });
});
