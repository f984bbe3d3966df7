// An OPC UA power meter served by node-opcua-server: the interop peer for wattguard's OPC UA client.
//
//   node meter-server.js --port 4841 --pki DIR [--user meter --password secret]
//
// Listens on 127.0.0.1 only. Endpoints: Basic256Sha256 SignAndEncrypt only (no None endpoint, no anonymous users), so a client
// that does not encrypt or does not log in cannot read anything. The server's own certificate lives in
// DIR, so a restart with the same DIR presents the same certificate (an operator trusts it once).
// Client certificates are accepted automatically: this peer tests the client, not node-opcua's PKI.
//
// Address space (namespace 1): Objects/Meter/<channel>/<field> for channels L1, L2, L3 and fields
// power_w, energy_kwh, voltage_v, each a Double with NodeId "ns=1;s=Meter.<channel>.<field>". Values
// change every 200 ms. Lines on stdin drive status codes, so a test can make a value go Bad:
//   status <channel>.<field> good|bad|uncertain
// The server prints "READY <port>" on stdout once it listens, and "STATUS <node> <code>" once a
// status command took effect.
"use strict";

const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { OPCUAServer } = require("node-opcua-server");
const { Variant, DataType } = require("node-opcua-variant");
const { OPCUACertificateManager } = require("node-opcua-certificate-manager");
const { SecurityPolicy, MessageSecurityMode } = require("node-opcua-secure-channel");
const { StatusCodes } = require("node-opcua-status-code");

function arg(name, def) {
    const i = process.argv.indexOf("--" + name);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const port = parseInt(arg("port", "4841"), 10);
const pki = path.resolve(arg("pki", path.join(__dirname, "pki")));
const user = arg("user", "meter");
const password = arg("password", "secret");

const CHANNELS = ["L1", "L2", "L3"];
const FIELDS = { power_w: 1500, energy_kwh: 1000, voltage_v: 230 };

async function main() {
    const serverCertificateManager = new OPCUACertificateManager({
        rootFolder: path.join(pki, "server"),
        automaticallyAcceptUnknownCertificate: true,
    });
    await serverCertificateManager.initialize();
    // The certificate names the address the server listens on, as a real meter's names the address it is
    // reached by: clients check it (wattguard refuses a certificate issued for another host). node-opcua's own
    // default would name this machine's host name and outside addresses instead.
    const certificateFile = path.join(pki, "server", "own", "certs", "server_cert.pem");
    if (!fs.existsSync(certificateFile)) {
        await serverCertificateManager.createSelfSignedCertificate({
            applicationUri: "urn:wattguard:interop:node-opcua-meter",
            subject: "/CN=wattguard node-opcua meter/O=wattguard",
            dns: ["localhost"],
            ip: ["127.0.0.1"],
            startDate: new Date(),
            validity: 365,
            outputFile: certificateFile,
        });
    }
    const userCertificateManager = new OPCUACertificateManager({
        rootFolder: path.join(pki, "user"),
        automaticallyAcceptUnknownCertificate: true,
    });
    await userCertificateManager.initialize();

    const server = new OPCUAServer({
        port,
        host: "127.0.0.1", // listen on loopback only
        hostname: "127.0.0.1",
        resourcePath: "/meter",
        serverCertificateManager,
        userCertificateManager,
        certificateFile,
        privateKeyFile: path.join(pki, "server", "own", "private", "private_key.pem"),
        securityPolicies: [SecurityPolicy.Basic256Sha256],
        securityModes: [MessageSecurityMode.SignAndEncrypt],
        allowAnonymous: false,
        userManager: { isValidUser: (u, p) => u === user && p === password },
        serverInfo: { applicationUri: "urn:wattguard:interop:node-opcua-meter" },
    });
    await server.initialize();

    const addressSpace = server.engine.addressSpace;
    const ns = addressSpace.getOwnNamespace();
    const meter = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: "Meter" });
    const variables = {};
    const statuses = {};
    for (const channel of CHANNELS) {
        const folder = ns.addObject({ componentOf: meter, browseName: channel });
        for (const [field, base] of Object.entries(FIELDS)) {
            const key = channel + "." + field;
            variables[key] = ns.addVariable({
                componentOf: folder,
                browseName: field,
                nodeId: "s=Meter." + key,
                dataType: "Double",
                minimumSamplingInterval: 100,
            });
            statuses[key] = StatusCodes.Good;
            variables[key].setValueFromSource(new Variant({ dataType: DataType.Double, value: base }), StatusCodes.Good);
        }
    }

    let tick = 0;
    const timer = setInterval(() => {
        tick++;
        for (const [key, variable] of Object.entries(variables)) {
            const base = FIELDS[key.split(".")[1]];
            const value = key.endsWith("energy_kwh") ? base + tick * 0.001 : base + (tick % 10);
            variable.setValueFromSource(new Variant({ dataType: DataType.Double, value }), statuses[key], new Date());
        }
    }, 200);

    const rl = readline.createInterface({ input: process.stdin });
    rl.on("line", (line) => {
        const [cmd, key, what] = line.trim().split(/\s+/);
        if (cmd !== "status" || !variables[key]) {
            console.log("ERROR unknown command: " + line);
            return;
        }
        statuses[key] = what === "bad" ? StatusCodes.BadSensorFailure
            : what === "uncertain" ? StatusCodes.UncertainLastUsableValue : StatusCodes.Good;
        console.log("STATUS " + key + " " + statuses[key].name);
    });

    async function stop() {
        clearInterval(timer);
        await server.shutdown(0);
        process.exit(0);
    }
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);

    await server.start();
    console.log("READY " + port);
}

main().catch((e) => {
    console.error("FAILED " + (e && e.stack ? e.stack : e));
    process.exit(1);
});
