// Nx loads generator factories with require(); the generator itself is an
// ES module, loaded here with import() so no build step and no require(esm).
/**
 * @param {import('@nx/devkit').Tree} tree
 * @param {import('./generator.js').PluginGeneratorSchema} options
 */
module.exports = async function pluginGenerator(tree, options) {
  const { default: generator } = await import('./generator.js');
  return generator(tree, options);
};
