// Nx loads generator factories with require(); the generator is an ES module.
/**
 * @param {import('@nx/devkit').Tree} tree
 * @param {import('./generator.js').OsVersionSchema} options
 */
module.exports = async function osVersionGenerator(tree, options) {
  const { default: generator } = await import('./generator.js');
  return generator(tree, options);
};
