/**
 * The trusted zone: parsing and validation into typed records (rejects with their reason),
 * de-duplication, and the consent rule over customers and accelerometer readings: reference data as
 * side inputs that hold everything seen ({@link dev.zonestream.trusted.ViewReferenceData}), and the
 * small stateful step where a streamed reading waits for a customer it cannot find yet.
 */
package dev.zonestream.trusted;
