import { getAsset } from 'node:sea';
import { useEmbeddedAssets } from '../core/assets.js';
import { main } from './main.js';

/**
 * Entry point of the single executable (scripts/package.mjs bundles from here): the docs pages, the
 * schema and package.json are read from the assets embedded in the file instead of a package directory.
 */
useEmbeddedAssets((path) => getAsset(path, 'utf8'));
void main(process.argv);
