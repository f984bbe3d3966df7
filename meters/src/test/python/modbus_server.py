#!/usr/bin/python3
"""A pymodbus 3.0 server for wattguard's interop tests: a peer nobody on the project wrote.

It serves a fixed map (unit 1, zero-based addresses) chosen to catch decoding mistakes:

  holding 0-1    float32, word order CDAB (low word first)       230.5
  holding 2-3    uint32 energy counter in Wh, ABCD, which advances by 128 at every read that covers it,
                 starting at 0xFFFFFF00, so it wraps to 0 on the third read
  holding 4-7    int64 counter, ABCD                              1234567890123456
  holding 8      int16                                            -42
  holding 9      uint16 "not available" sentinel                  0xFFFF
  holding 20     answers exception 2 (illegal data address)
  holding 30-33  ASCII string "SDM630", NUL-padded
  input 0-1      float32 ABCD                                     49.98
  discrete 0-2   1, 0, 1

Usage: modbus_server.py tcp|rtu-over-tcp            prints "PORT <n>" once listening on 127.0.0.1
       modbus_server.py serial DEVICE BAUD          RTU on a serial device (a pty from socat), prints "READY"
"""
import asyncio
import struct
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.framer.socket_framer import ModbusSocketFramer
from pymodbus.server.async_io import ModbusTcpServer, StartAsyncSerialServer

BAD_ADDRESS = 20


def words(fmt, value):
    raw = struct.pack(">" + fmt, value)
    return [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]


class Holding(ModbusSequentialDataBlock):
    def __init__(self):
        values = [0] * 64
        f = words("f", 230.5)
        values[0:2] = [f[1], f[0]]  # CDAB
        values[4:8] = words("q", 1234567890123456)
        values[8] = words("h", -42)[0]
        values[9] = 0xFFFF
        values[30:34] = [int.from_bytes(b"SDM630\0\0"[i:i + 2], "big") for i in range(0, 8, 2)]
        super().__init__(0, values)
        self.energy = 0xFFFFFF00

    def validate(self, address, count=1):
        if address <= BAD_ADDRESS < address + count:
            return False
        return super().validate(address, count)

    def getValues(self, address, count=1):
        if address <= 2 < address + count:
            self.values[2:4] = words("I", self.energy)
            self.energy = (self.energy + 128) & 0xFFFFFFFF
        return super().getValues(address, count)


def context():
    slave = ModbusSlaveContext(
        di=ModbusSequentialDataBlock(0, [1, 0, 1] + [0] * 13),
        co=ModbusSequentialDataBlock(0, [0] * 16),
        hr=Holding(),
        ir=ModbusSequentialDataBlock(0, words("f", 49.98) + [0] * 14),
        zero_mode=True,
    )
    return ModbusServerContext(slaves={1: slave}, single=False)


async def tcp(framer):
    server = ModbusTcpServer(context(), framer, address=("127.0.0.1", 0), allow_reuse_address=True)
    task = asyncio.create_task(server.serve_forever())
    await server.serving
    port = server.server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    await task


async def serial(device, baud):
    print("READY", flush=True)
    await StartAsyncSerialServer(context=context(), framer=ModbusRtuFramer, port=device, baudrate=baud,
                                 bytesize=8, parity="N", stopbits=1, timeout=0.05)


def main():
    mode = sys.argv[1]
    if mode == "tcp":
        asyncio.run(tcp(ModbusSocketFramer))
    elif mode == "rtu-over-tcp":
        asyncio.run(tcp(ModbusRtuFramer))
    elif mode == "serial":
        asyncio.run(serial(sys.argv[2], int(sys.argv[3])))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
