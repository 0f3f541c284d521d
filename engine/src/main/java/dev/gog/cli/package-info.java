/**
 * The {@code gog} command line ({@link dev.gog.cli.Main}); conventions and every command in
 * docs/cli.md.
 */
package dev.gog.cli;
