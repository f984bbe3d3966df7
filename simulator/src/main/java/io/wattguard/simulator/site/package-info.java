/**
 * A synthetic site with ground truth, and the scorer of the detection evaluation (issue 6).
 *
 * <p>{@link io.wattguard.simulator.site.SyntheticSite} streams points in the InfluxDB schema of DESIGN.md
 * section 3 ({@code gpu}, {@code host}, {@code meter}, {@code business_load}, {@code gpu_process},
 * {@code evidence}) for a {@link io.wattguard.simulator.site.SiteSpec}, and gives the
 * {@link io.wattguard.simulator.site.Label}s of everything it injected: mining episodes (night GPU miner,
 * low-and-slow, miner in an allowlisted container, rogue rig on a spare PDU outlet, RandomX on a CPU server, a
 * GPU whose power limit is ramped up under a miner, one GPU of eight borrowed in business hours, a miner only the
 * outlet of a host without component power sees) and benign events (training runs, batch jobs, nightly backups,
 * spikes, outlet-only bursts, sensor dropouts, counter resets, business feed stops).
 *
 * <p>The telemetry is imperfect on purpose, so that a detector tuned to one clean site fails the evaluation
 * instead of passing it: each host's outlet wanders with AR(1) residual noise of its own size (3-25 W, 5-20 min
 * correlation), its business feed reports every 1, 5 or 15 min and is off by up to 15%, some CPU servers report
 * no package power, and there are two evaluation sites (another seed, zone, calendar and hardware mix).
 * {@link io.wattguard.simulator.site.SiteSpec.Telemetry} switches these off one at a time for a study.
 * {@link io.wattguard.simulator.site.Scorer} turns a detector's
 * {@link io.wattguard.simulator.site.Detection}s and the labels into recall, precision, false detections per
 * 1,000 host-days and delays.
 *
 * <p>This package must never depend on the detectors ({@code io.wattguard.analytics}): the generator and the
 * detector are written separately so that neither is tuned to the other.
 *
 * <p>Nameplate, for "episodes of at least 10% of nameplate": a GPU server is the sum of its GPU power limits
 * plus 500 W (A100x8: 3,700 W; L40Sx4: 1,900 W; H100x8: 6,100 W), a CPU server 400 W, a rack the sum of its
 * hosts; for a GPU-level label ({@code HOST:INDEX}), the board's power limit.
 *
 * <p>Choices the schema leaves open: topology tags ({@code site}, {@code room}, {@code rack}, {@code host}) are
 * on every point whose entity is a host or a PDU; {@code business_load} carries only {@code entity},
 * {@code level}, {@code source}, and is written only at the host's feed cadence. Each PDU reports its host outlets (channels 1..n), a spare outlet (channel 24,
 * no host tag, 0 W unless something is plugged in) and its inlet ({@code channel=total}). A host dropout removes
 * the host agent's points (gpu, host, business_load, gpu_process, evidence), not its outlet; a PDU dropout removes
 * the PDU's points.
 */
package io.wattguard.simulator.site;
