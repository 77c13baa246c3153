/**
 * Lake specs: the datasets, schemas, rules, privacy rule and curated tables a user declares in one
 * YAML file ({@link dev.zonestream.spec.LakeSpec}), read and checked whole ({@link
 * dev.zonestream.spec.SpecReader}) before a run starts; the shipped STEDI spec is the default.
 */
package dev.zonestream.spec;
