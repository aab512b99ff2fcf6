// How `nx release` versions tflyte's npm packages: their package.json files, and the exact versions by
// which they depend on one another. Nx's own implementation of this ships in @nx/js, a plugin the
// repository does not otherwise need; this is the part of it an npm-workspaces monorepo uses.
// Configured as release.version.versionActions in nx.json.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const { VersionActions } = require('nx/release');

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

class PackageJsonVersionActions extends VersionActions {
  validManifestFilenames = ['package.json'];

  #path() {
    return join(this.projectGraphNode.data.root, 'package.json');
  }

  #read(tree, path = this.#path()) {
    return JSON.parse(tree.read(path, 'utf-8'));
  }

  #write(tree, path, pkg) {
    tree.write(path, `${JSON.stringify(pkg, null, 2)}\n`);
  }

  async readCurrentVersionFromSourceManifest(tree) {
    const manifestPath = this.#path();
    return { currentVersion: this.#read(tree, manifestPath).version, manifestPath };
  }

  // The packages are versioned from disk and git tags (nx.json), never from what a registry has.
  async readCurrentVersionFromRegistry() {
    return null;
  }

  async readCurrentVersionOfDependency(tree, projectGraph, dependencyProjectName) {
    const pkg = this.#read(tree);
    const name = packageName(projectGraph, dependencyProjectName);
    for (const field of DEPENDENCY_FIELDS) {
      const spec = pkg[field]?.[name];
      if (spec !== undefined) return { currentVersion: spec, dependencyCollection: field };
    }
    return { currentVersion: null, dependencyCollection: null };
  }

  async updateProjectVersion(tree, newVersion) {
    const logs = [];
    for (const { manifestPath } of this.manifestsToUpdate) {
      const pkg = this.#read(tree, manifestPath);
      pkg.version = newVersion;
      this.#write(tree, manifestPath, pkg);
      logs.push(`✍️  New version ${newVersion} written to manifest: ${manifestPath}`);
    }
    return logs;
  }

  async updateProjectDependencies(tree, projectGraph, dependenciesToUpdate) {
    const logs = [];
    const updates = Object.entries(dependenciesToUpdate).map(([project, version]) => [packageName(projectGraph, project), version]);
    if (updates.length === 0) return logs;
    for (const { manifestPath } of this.manifestsToUpdate) {
      const pkg = this.#read(tree, manifestPath);
      let count = 0;
      for (const field of DEPENDENCY_FIELDS) {
        for (const [name, version] of updates) {
          if (pkg[field]?.[name] === undefined) continue;
          pkg[field][name] = version;
          count++;
        }
      }
      if (count === 0) continue;
      this.#write(tree, manifestPath, pkg);
      logs.push(`✍️  Updated ${count} dependenc${count === 1 ? 'y' : 'ies'} in manifest: ${manifestPath}`);
    }
    return logs;
  }
}

function packageName(projectGraph, project) {
  return projectGraph.nodes[project]?.data.metadata?.js?.packageName ?? project;
}

/** The lockfile records each workspace's version: brought in line once every package.json is written. */
async function afterAllProjectsVersioned(cwd, { dryRun }) {
  if (dryRun) return { changedFiles: [], deletedFiles: [] };
  execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd, stdio: 'inherit' });
  return { changedFiles: ['package-lock.json'], deletedFiles: [] };
}

module.exports = PackageJsonVersionActions;
module.exports.default = PackageJsonVersionActions;
module.exports.afterAllProjectsVersioned = afterAllProjectsVersioned;
