// A real RPM database (sqlite, as RHEL 9 has) listing placeholder packages,
// so that `rpm -qa` and libguestfs's application listing work on the guest.
// Each package is an empty RPM built with rpmbuild, then registered with
// `rpm --justdb` (no files installed, no scriptlets, no chroot).
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.mjs';

/** A spec for an empty package carrying only the header fields. */
function specOf(p) {
  return [
    `Name: ${p.name}`,
    ...(p.epoch ? [`Epoch: ${p.epoch}`] : []),
    `Version: ${p.version}`,
    `Release: ${p.release}`,
    `Summary: ${p.summary}`,
    `License: ${p.license ?? 'GPLv2+'}`,
    `BuildArch: ${p.arch ?? 'x86_64'}`,
    'Vendor: Red Hat, Inc.',
    'Packager: Red Hat, Inc. <http://bugzilla.redhat.com/bugzilla>',
    '%define debug_package %{nil}',
    '%define _build_id_links none',
    '%description',
    p.description ?? p.summary,
    '%files',
    '',
  ].join('\n');
}

/**
 * Register the packages in <tree>/var/lib/rpm.
 * @param {string} tree guest root folder
 * @param {Array<{ name: string, version: string, release: string, summary: string, arch?: string, epoch?: number }>} packages
 * @param {string} workDir
 */
export async function writeRpmDb(tree, packages, workDir) {
  const top = join(workDir, 'rpmbuild');
  await mkdir(join(top, 'SPECS'), { recursive: true });
  for (const p of packages) {
    const spec = join(top, 'SPECS', `${p.name}.spec`);
    await writeFile(spec, specOf(p));
    await run('rpmbuild', ['-bb', '--quiet', '--nodeps', '--define', `_topdir ${top}`, '--define', '_binary_payload w9.gzdio', spec]);
  }
  const rpms = [];
  for (const arch of await readdir(join(top, 'RPMS'))) {
    for (const f of await readdir(join(top, 'RPMS', arch))) rpms.push(join(top, 'RPMS', arch, f));
  }
  const dbpath = join(tree, 'var/lib/rpm');
  await mkdir(dbpath, { recursive: true });
  const common = ['--dbpath', dbpath, '--define', '_db_backend sqlite'];
  await run('rpm', [...common, '--initdb']);
  await run('rpm', [...common, '-i', '--justdb', '--nodeps', '--noscripts', '--notriggers', '--nosignature', '--nodigest', '--ignorearch', '--ignoreos', ...rpms]);
}
