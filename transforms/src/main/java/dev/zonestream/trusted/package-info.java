/**
 * The trusted zone: parsing and validation into typed records (rejects with their reason), and the
 * consent rule over customers and accelerometer readings.
 */
package dev.zonestream.trusted;
