/**
 * The OPC UA meter simulator ({@link io.wattguard.simulator.opcua.OpcUaMeterSimulator}), a Milo server on a
 * loopback port serving {@link io.wattguard.simulator.opcua.MeterValues}, for tests, the demo and benchmarks.
 */
package io.wattguard.simulator.opcua;
