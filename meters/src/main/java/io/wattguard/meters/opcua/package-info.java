/**
 * OPC UA meters through Eclipse Milo 1.0: {@link io.wattguard.meters.opcua.OpcUaMeterConfig} (read from YAML
 * with every problem reported at once), {@link io.wattguard.meters.opcua.OpcUaMeterClient} (subscriptions by
 * default, polled reads as a fallback, reconnect and re-subscribe), {@link io.wattguard.meters.opcua.ClientPki}
 * (client certificate, trust list, {@code rejected/}) and {@link io.wattguard.meters.opcua.OpcUaConnection}
 * (the blocking browse and read behind {@code wattguard opcua browse/read}).
 *
 * <h2>Status codes</h2>
 * OPC UA attaches a status to every value. wattguard never stores a value whose status is Bad (the device says
 * it is wrong or missing: sensor failure, communication failure, out of service); it is counted in
 * {@link io.wattguard.meters.opcua.OpcUaMeterClient#badValues()} and the field is simply absent from that
 * point. A value whose status is Uncertain (last usable value, sensor not accurate, engineering units exceeded,
 * sub-normal) is stored with {@link io.wattguard.meters.Reading#uncertain()} set; the collector is expected to
 * carry it as a tag or a companion field so dashboards can show it and detectors can leave it out. Good
 * values (including Good with info bits such as overflow) are stored as they are.
 *
 * <h2>Trust</h2>
 * Nothing is trusted blindly. A server certificate not in {@code pki/trusted/certs} is refused, saved as
 * {@code pki/rejected/<sha1>.der}, and a log line gives the {@code mv} command that trusts it. Milo's
 * host-name check is advisory (it logs "check suppressed"), as servers rarely carry the name a client uses.
 */
package io.wattguard.meters.opcua;
