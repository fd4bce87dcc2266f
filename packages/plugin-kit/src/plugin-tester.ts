/**
 * A table-driven tester for plugins, in the spirit of ESLint's RuleTester:
 * `valid` guests on which the plugin proposes nothing, `invalid` guests with
 * the changes, findings and actions it must propose. Every invalid case runs
 * twice: the plan is applied to the guest folder, then planned again, and
 * the second plan must propose nothing (a repair that repeats itself on an
 * already repaired guest is a bug).
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Change, Finding, Hyper2kvmPlugin, Plan, PluginInCode, RegistryWriter, Severity } from '@hyper2kvm/core';
import { planWithPlugins, type GuestTree, type PlanHarnessOptions, type PlanOutcome } from './plan-harness.js';

/**
 * One guest the plugin is run on: `planWithPlugins`' inputs but the plugin
 * list, and what is expected. For an invalid case, a `registry` must also be
 * a writer (a `MemoryRegistry` is) so the repair can be applied.
 */
export interface PluginTestCase extends Omit<PlanHarnessOptions, 'plugins' | 'guest'> {
  /** Shown as the test's name. */
  name: string;
  /** The guest: a tree written to a temporary folder, or a host folder (copied first, never written). */
  guest: GuestTree | string;
  /** The plugin's options (validated by its schema). */
  options?: unknown;
  /** Plugins that run with it (those it must run after), with their options. */
  with?: readonly PluginInCode[];
  /** The plugin's own findings, in order (default: none). */
  findings?: ExpectedFinding[];
}

/** A finding the plugin must report; fields left out are not compared. */
export interface ExpectedFinding {
  rule: string;
  severity?: Severity;
  message?: string | RegExp;
}

/** A change the plugin must propose; fields left out are not compared. */
export interface ExpectedChange {
  kind?: Change['kind'];
  path?: string;
  /** A `file.write`'s new content (UTF-8), exactly or by pattern. */
  after?: string | RegExp;
  hive?: string;
  key?: string;
  name?: string;
  value?: unknown;
}

export interface InvalidPluginTestCase extends PluginTestCase {
  /** The plugin's own changes, in plan order. */
  changes: ExpectedChange[];
  /** Keys of the deferred actions it requests (default: none). */
  actions?: string[];
}

/** The test framework's `describe` and `it` (vitest's, node:test's…). */
export interface TestFramework {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>): void;
}

/** Registers one test per case with the framework; each test plans (and for invalid cases, repairs and plans again). */
export class PluginTester {
  readonly #framework: TestFramework;

  constructor(framework: TestFramework) {
    this.#framework = framework;
  }

  run(plugin: Hyper2kvmPlugin, cases: { valid: PluginTestCase[]; invalid: InvalidPluginTestCase[] }): void {
    const { describe, it } = this.#framework;
    describe(plugin.name, () => {
      describe('valid', () => {
        for (const testCase of cases.valid) it(testCase.name, () => checkValid(plugin, testCase));
      });
      describe('invalid', () => {
        for (const testCase of cases.invalid) it(testCase.name, () => checkInvalid(plugin, testCase));
      });
    });
  }
}

async function checkValid(plugin: Hyper2kvmPlugin, testCase: PluginTestCase): Promise<void> {
  const outcome = await planCase(plugin, testCase, testCase.guest);
  try {
    assert.deepEqual(describeChanges(ownChanges(outcome.plan, plugin)), [], `${testCase.name}: a valid guest got changes`);
    assert.deepEqual(ownActions(outcome.plan, plugin), [], `${testCase.name}: a valid guest got actions`);
    checkFindings(outcome.plan, plugin, testCase);
  } finally {
    await outcome.cleanup();
  }
}

async function checkInvalid(plugin: Hyper2kvmPlugin, testCase: InvalidPluginTestCase): Promise<void> {
  // The repair is applied to a folder of the test's own, never to one the caller gave.
  const folder = await mkdtemp(join(tmpdir(), 'hyper2kvm-plugin-tester-'));
  try {
    const root = join(folder, 'guest');
    if (typeof testCase.guest === 'string') await cp(testCase.guest, root, { recursive: true, verbatimSymlinks: true });
    const first = await planCase(plugin, testCase, typeof testCase.guest === 'string' ? root : testCase.guest);
    try {
      checkChanges(ownChanges(first.plan, plugin), testCase);
      assert.deepEqual(ownActions(first.plan, plugin), testCase.actions ?? [], `${testCase.name}: actions`);
      checkFindings(first.plan, plugin, testCase);
      const registry = testCase.registry ? { registry: writerOf(testCase) } : {};
      // Deferred actions run guest programs, which a guest folder cannot; the changes and fixOffline are applied.
      await first.engine.fix(first.guest, first.facts, { ...first.plan, actions: [] }, { backupDir: join(folder, 'backup'), ...registry });
      const second = await planCase(plugin, testCase, first.root);
      try {
        assert.deepEqual(
          describeChanges(ownChanges(second.plan, plugin)),
          [],
          `${testCase.name}: the plan is not idempotent: planned again on the repaired guest, it proposes changes`,
        );
        assert.deepEqual(
          ownActions(second.plan, plugin),
          [],
          `${testCase.name}: the plan is not idempotent: planned again on the repaired guest, it requests actions`,
        );
      } finally {
        await second.cleanup();
      }
    } finally {
      await first.cleanup();
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function planCase(plugin: Hyper2kvmPlugin, testCase: PluginTestCase, guest: GuestTree | string): Promise<PlanOutcome> {
  // The case's other fields (name, expectations) are not harness inputs; planWithPlugins reads only its own.
  const { options, with: others = [], ...inputs } = testCase;
  return planWithPlugins({ ...inputs, plugins: [...others, options === undefined ? plugin : [plugin, options]], guest });
}

function writerOf(testCase: PluginTestCase): RegistryWriter {
  const registry = testCase.registry as Partial<RegistryWriter> | undefined;
  if (typeof registry?.apply !== 'function')
    throw new Error(`${testCase.name}: the registry must also be a writer (use a MemoryRegistry) so the plan can be applied`);
  return registry as RegistryWriter;
}

function ownChanges(plan: Plan, plugin: Hyper2kvmPlugin): Change[] {
  return plan.changes.filter((change) => change.plugin === plugin.name);
}

function ownActions(plan: Plan, plugin: Hyper2kvmPlugin): string[] {
  return plan.actions.filter((action) => action.requestedBy.includes(plugin.name)).map((action) => action.key);
}

/** What a change is, in a line, for failure messages. */
function describeChanges(changes: Change[]): string[] {
  return changes.map((change) => {
    const where = 'path' in change ? change.path : 'guestPath' in change ? change.guestPath : 'key' in change ? `${change.hive}\\${change.key}` : '';
    return `${change.kind} ${where}`;
  });
}

function checkChanges(actual: Change[], testCase: InvalidPluginTestCase): void {
  assert.equal(
    actual.length,
    testCase.changes.length,
    `${testCase.name}: expected ${testCase.changes.length} change(s), got ${JSON.stringify(describeChanges(actual))}`,
  );
  testCase.changes.forEach((expected, index) => {
    const change = actual[index] as Change & Record<string, unknown>;
    const label = `${testCase.name}: change ${index + 1} (${describeChanges([change])[0]})`;
    for (const field of ['kind', 'path', 'hive', 'key', 'name'] as const) {
      if (expected[field] !== undefined) assert.equal(change[field], expected[field], `${label}: ${field}`);
    }
    if (expected.value !== undefined) assert.deepEqual(change['value'], expected.value, `${label}: value`);
    if (expected.after !== undefined) {
      assert.equal(change.kind, 'file.write', `${label}: only a file.write has content`);
      const text = (change as { after: Buffer }).after.toString('utf8');
      if (typeof expected.after === 'string') assert.equal(text, expected.after, `${label}: content`);
      else assert.match(text, expected.after, `${label}: content`);
    }
  });
}

function checkFindings(plan: Plan, plugin: Hyper2kvmPlugin, testCase: PluginTestCase): void {
  const actual: Finding[] = plan.findings.filter((finding) => finding.plugin === plugin.name);
  const expected = testCase.findings ?? [];
  assert.deepEqual(
    actual.map((finding) => finding.rule),
    expected.map((finding) => finding.rule),
    `${testCase.name}: findings`,
  );
  expected.forEach((want, index) => {
    const finding = actual[index]!;
    if (want.severity !== undefined) assert.equal(finding.severity, want.severity, `${testCase.name}: severity of ${want.rule}`);
    if (typeof want.message === 'string') assert.equal(finding.message, want.message, `${testCase.name}: message of ${want.rule}`);
    else if (want.message) assert.match(finding.message, want.message, `${testCase.name}: message of ${want.rule}`);
  });
}
