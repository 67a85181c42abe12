//! Why a point fell short of its bound, from the CPU seconds sampled during the measured run:
//! the server's, wrk's (which shares the cores), and the whole machine's.

use crate::model::Point;

/// A thread (or the machine) busy this share of its time has run out of CPU.
pub const BUSY_SHARE: f64 = 0.8;
/// Other processes using more than this share of the machine's busy time make it a busy
/// machine: measure again when it is quiet.
pub const OTHERS_SHARE: f64 = 0.2;

/// The CPU seconds of a measured run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuUse {
    /// How long the run lasted, s.
    pub seconds: f64,
    /// The server's CPU seconds.
    pub server_s: f64,
    /// wrk's CPU seconds.
    pub client_s: Option<f64>,
    /// The whole machine's busy CPU seconds.
    pub machine_s: Option<f64>,
    /// The machine's cores (unknown for logs from elsewhere).
    pub cores: Option<f64>,
}

impl CpuUse {
    /// The CPU figures of `point`, if it was measured with its server sampled.
    pub fn of(point: &Point, cores: Option<f64>) -> Option<Self> {
        let report = point.measured()?;
        let seconds = report.duration_us / 1e6;
        let server_s = point.samples.server_cpu_s?;
        (seconds > 0.0).then_some(Self {
            seconds,
            server_s,
            client_s: point.samples.client_cpu_s,
            machine_s: point.samples.machine_cpu_busy_s,
            cores: cores.filter(|cores| *cores > 0.0),
        })
    }

    /// The server's share of one core.
    pub fn server_share(&self) -> f64 {
        self.server_s / self.seconds
    }

    /// wrk's share of one core.
    pub fn client_share(&self) -> Option<f64> {
        self.client_s.map(|client| client / self.seconds)
    }

    /// The machine's busy share, of all its cores.
    pub fn machine_share(&self) -> Option<f64> {
        Some(self.machine_s? / self.seconds / self.cores?)
    }

    /// CPU seconds of processes other than the server and wrk.
    pub fn others_s(&self) -> Option<f64> {
        self.machine_s
            .map(|machine| (machine - self.server_s - self.client_s.unwrap_or(0.0)).max(0.0))
    }
}

/// What ran out, if anything.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CpuVerdict {
    /// The server's threads were busy: CPU, not the wait, is the limit.
    ServerBusy,
    /// The whole machine was busy; the share of it taken by other processes.
    MachineBusy {
        /// Other processes' share of the machine's busy time.
        others_fraction: f64,
    },
    /// No machine figure, but the server and wrk together filled the cores.
    ServerAndClientBusy,
    /// Nothing ran out; a request took longer under load than alone.
    ExtraWait {
        /// Mean latency under load, µs.
        loaded_us: f64,
        /// Mean latency alone, µs.
        unloaded_us: f64,
        /// Requests in flight.
        in_flight: f64,
    },
    /// Nothing ran out, and no longer wait to show: look at the client and the errors.
    Neither,
}

/// Why `point` is where it is, from its CPU figures. `workers` counts the server's threads.
pub fn verdict(
    cpu: &CpuUse,
    workers: u32,
    loaded_us: f64,
    unloaded_us: Option<f64>,
    in_flight: f64,
) -> CpuVerdict {
    let server = cpu.server_share();
    let cores = cpu.cores;
    if server >= BUSY_SHARE * f64::from(workers)
        || cores.is_some_and(|cores| server >= BUSY_SHARE * cores)
    {
        return CpuVerdict::ServerBusy;
    }
    if let (Some(machine), Some(machine_s)) = (cpu.machine_share(), cpu.machine_s) {
        if machine >= BUSY_SHARE {
            return CpuVerdict::MachineBusy {
                others_fraction: if machine_s > 0.0 {
                    cpu.others_s().unwrap_or(0.0) / machine_s
                } else {
                    0.0
                },
            };
        }
    } else if let (Some(client), Some(cores)) = (cpu.client_share(), cores) {
        if server + client >= BUSY_SHARE * cores {
            return CpuVerdict::ServerAndClientBusy;
        }
    }
    match unloaded_us {
        Some(unloaded) if loaded_us > unloaded => CpuVerdict::ExtraWait {
            loaded_us,
            unloaded_us: unloaded,
            in_flight,
        },
        _ => CpuVerdict::Neither,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(server_s: f64, client_s: Option<f64>, machine_s: Option<f64>) -> CpuUse {
        CpuUse {
            seconds: 10.0,
            server_s,
            client_s,
            machine_s,
            cores: Some(2.0),
        }
    }

    #[test]
    fn what_ran_out() {
        // (cpu, workers, loaded µs, unloaded µs, expected)
        let cases = [
            (
                cpu(9.2, Some(4.0), None),
                1,
                20_000.0,
                Some(10_200.0),
                CpuVerdict::ServerBusy,
            ),
            (
                cpu(9.2, Some(8.0), None),
                4,
                20_000.0,
                Some(10_200.0),
                CpuVerdict::ServerAndClientBusy,
            ),
            (
                cpu(1.44, Some(1.08), Some(2.87)),
                1,
                12_110.0,
                Some(11_240.0),
                CpuVerdict::ExtraWait {
                    loaded_us: 12_110.0,
                    unloaded_us: 11_240.0,
                    in_flight: 99.6,
                },
            ),
            (
                cpu(1.44, Some(1.08), Some(2.87)),
                1,
                11_000.0,
                Some(11_240.0),
                CpuVerdict::Neither,
            ),
            (cpu(1.0, None, None), 1, 12_000.0, None, CpuVerdict::Neither),
        ];
        for (use_, workers, loaded, unloaded, expected) in cases {
            assert_eq!(
                verdict(&use_, workers, loaded, unloaded, 99.6),
                expected,
                "{use_:?}"
            );
        }
    }

    #[test]
    fn a_busy_machine_names_the_share_of_other_processes() {
        // Server 6 s and wrk 6 s of 19 s busy on 2 cores over 10 s: 95% busy, 7 s others.
        let CpuVerdict::MachineBusy { others_fraction } = verdict(
            &cpu(6.0, Some(6.0), Some(19.0)),
            2,
            19_000.0,
            Some(11_300.0),
            95.0,
        ) else {
            panic!("expected a busy machine");
        };
        assert!((others_fraction - 7.0 / 19.0).abs() < 1e-9);
    }
}
