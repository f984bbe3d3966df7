/**
 * Modbus polling of PDUs and power meters, on j2mod 3.2.1.
 *
 * <p>Configuration, planning and conversion are separate, as in Telegraf's modbus input:
 * {@link io.wattguard.meters.modbus.RegisterMaps} reads and validates register maps and the shipped device
 * profiles, {@link io.wattguard.meters.modbus.RequestPlanner} groups a map into the fewest reads once at start,
 * {@link io.wattguard.meters.modbus.RegisterCodec} builds one decoder per value at start, and
 * {@link io.wattguard.meters.modbus.ModbusClient} polls: I/O and decoder calls only.
 *
 * <p>What we take from j2mod and what we do not. j2mod's transaction classes keep a static transaction id
 * shared by every master in the JVM, treat {@code setRetries(0)} as 5 retries, and sleep 250 to 750 ms times
 * the attempt number between retries (checked in the 3.2.1 bytecode: {@code getRandomSleepTime}). None of
 * them is used: each device has its own link ({@code TcpLink}, {@code SerialLink}) with its own transaction
 * counter, used from one thread, and the client owns timeout, retries and backoff. From j2mod we use the
 * message classes, the MBAP transport over a socket we open ourselves (so that one deadline covers every
 * read of a response), and the serial RTU transport over jSerialComm. RTU frames over TCP are framed here
 * because j2mod's RTU-over-TCP reader does not check the CRC.
 *
 * <p>{@link io.wattguard.meters.modbus.ModbusRead} is the one-shot read behind {@code wattguard modbus read}.
 */
package io.wattguard.meters.modbus;
