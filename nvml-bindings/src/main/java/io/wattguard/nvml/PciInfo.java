package io.wattguard.nvml;

/** nvmlPciInfo_t: where the GPU sits on the PCI bus. */
public record PciInfo(String busId, int domain, int bus, int device, int pciDeviceId, int pciSubSystemId) {}
