/**
 * Benchmarks of zonestream's stages, run by hand on an idle machine (see benchmarks/README.md);
 * never part of the test suite.
 */
package dev.zonestream.benchmarks;
