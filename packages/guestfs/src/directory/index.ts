export * from './directory-guest.js';
