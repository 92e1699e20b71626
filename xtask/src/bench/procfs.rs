//! What the benchmark reads from `/proc` and the system: a process's CPU
//! time (utime + stime, all threads) and memory (VmRSS, VmHWM), each
//! thread's name and CPU time (`/proc/PID/task/*/stat`) for the profile,
//! the CPUs this process may run on (for pinning), the clock tick, a
//! one-line description of the machine, and how often the machine itself
//! holds a busy thread up ([`stall_probe`]: a virtual machine's host taking
//! its CPU shows as gaps and late frames that no server change can cut).
//! Nothing here fails: what cannot be read is `None`.

use std::collections::BTreeMap;

use tokio::process::Command;

use super::number;

/// utime + stime in clock ticks from the text of a `stat` file.
pub fn parse_stat_ticks(stat: &str) -> Option<u64> {
    // The command name may hold spaces and parentheses; after the last ')'
    // the fields resume at field 3 (state), so utime (14) is index 11.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// The command name (`comm`) in a `stat` file: between the first '(' and
/// the last ')'.
fn parse_stat_name(stat: &str) -> Option<String> {
    let name = stat.get(stat.find('(')? + 1..stat.rfind(')')?)?;
    Some(name.to_owned())
}

/// A process's CPU time in clock ticks, all its threads.
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    parse_stat_ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The whole machine's busy time in clock ticks (every CPU's user, nice,
/// system, irq, softirq and steal time in `/proc/stat`).
pub fn machine_busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    parse_machine_busy(stat.lines().next()?)
}

fn parse_machine_busy(cpu_line: &str) -> Option<u64> {
    let mut fields = cpu_line.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let ticks: Vec<u64> = fields.map_while(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal
    let busy = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| ticks.get(i))
        .sum();
    Some(busy)
}

/// The machine's steal time in clock ticks (CPU time its virtual machine
/// host took), from `/proc/stat`.
fn steal_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    stat.lines().next()?.split_whitespace().nth(8)?.parse().ok()
}

/// Stalls of at least this long count in [`stall_probe`].
const STALL: std::time::Duration = std::time::Duration::from_millis(5);

/// Spins for `span` on this thread (moved to `cpu` first, the server's
/// core, with `taskset -p` on the thread's id), noting every time it was
/// held up for [`STALL`] or more (nothing else runs in it, so only the
/// scheduler or the virtual machine's host can hold it), and describes
/// what it saw. Blocking.
pub fn stall_probe(span: std::time::Duration, clk_tck: f64, cpu: Option<usize>) -> String {
    let mut place = "this process's cores".to_owned();
    if let Some(cpu) = cpu {
        let tid = std::fs::read_link("/proc/thread-self")
            .ok()
            .and_then(|p| p.file_name()?.to_str()?.parse::<u32>().ok());
        let moved = tid.is_some_and(|tid| {
            std::process::Command::new("taskset")
                .args(["-p", "-c", &cpu.to_string(), &tid.to_string()])
                .stdout(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        if moved {
            place = format!("CPU {cpu}");
        }
    }
    let steal_before = steal_ticks();
    let start = std::time::Instant::now();
    let (mut last, mut stalls, mut longest) = (start, 0u32, std::time::Duration::ZERO);
    while last - start < span {
        let now = std::time::Instant::now();
        let held = now - last;
        if held >= STALL {
            stalls += 1;
            longest = longest.max(held);
        }
        last = now;
    }
    let steal = match (steal_before, steal_ticks()) {
        (Some(a), Some(b)) => format!("{:.0} ms", b.saturating_sub(a) as f64 * 1e3 / clk_tck),
        _ => "unknown".to_owned(),
    };
    format!(
        "stalls: a busy thread on {place} was held up {stalls} times for {} ms or more in \
         {:.0} s, longest {:.1} ms; steal time {steal}",
        STALL.as_millis(),
        span.as_secs_f64(),
        longest.as_secs_f64() * 1e3
    )
}

/// Each thread's name and CPU time in clock ticks, by thread id.
pub type Threads = BTreeMap<u32, (String, u64)>;

/// The process's threads now; `None` when it cannot be read.
pub fn threads(pid: u32) -> Option<Threads> {
    let mut threads = Threads::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let Ok(entry) = entry else { continue };
        let Some(tid) = entry.file_name().to_str().and_then(|t| t.parse().ok()) else {
            continue;
        };
        // A thread may end between the listing and the read.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let (Some(name), Some(ticks)) = (parse_stat_name(&stat), parse_stat_ticks(&stat)) {
            threads.insert(tid, (name, ticks));
        }
    }
    Some(threads)
}

/// (VmRSS, VmHWM) in MB.
pub fn memory_mb(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let mb = |key| Some(number::<f64>(key, field(&status, key)?.split(' ').next()?).ok()? / 1024.0);
    Some((mb("VmRSS")?, mb("VmHWM")?))
}

/// The value of `key: value` in a `/proc` text file.
pub fn field(text: &str, key: &str) -> Option<String> {
    let mut pairs = text.lines().filter_map(|l| l.split_once(':'));
    pairs
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_owned())
}

/// Clock ticks per second (`getconf CLK_TCK`, else 100).
pub async fn clock_ticks() -> f64 {
    let output = Command::new("getconf").arg("CLK_TCK").output().await;
    let text = output.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    text.ok()
        .and_then(|t| number::<f64>("CLK_TCK", &t).ok())
        .filter(|&t| t > 0.0)
        .unwrap_or(100.0)
}

/// The CPUs a process may run on (`Cpus_allowed_list`).
pub fn allowed_cpus(pid: u32) -> Vec<usize> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    field(&status, "Cpus_allowed_list")
        .map(|list| parse_cpu_list(&list))
        .unwrap_or_default()
}

/// `0-2,5` to `[0, 1, 2, 5]`; what does not parse is left out.
pub fn parse_cpu_list(list: &str) -> Vec<usize> {
    let mut cpus = Vec::new();
    for part in list.split(',').map(str::trim) {
        let (from, to) = part.split_once('-').unwrap_or((part, part));
        if let (Ok(from), Ok(to)) = (from.trim().parse(), to.trim().parse::<usize>()) {
            cpus.extend(from..=to);
        }
    }
    cpus
}

/// Writes CPUs as a list for `taskset -c`: `0,1,3`.
pub fn cpu_list(cpus: &[usize]) -> String {
    let cpus: Vec<String> = cpus.iter().map(usize::to_string).collect();
    cpus.join(",")
}

/// `machine: MODEL, N cores, X GB RAM (OS ARCH)`; call it before pinning
/// (it counts the cores this process may use).
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let read = |path| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    // x86 has "model name"; Raspberry Pi kernels have "Model" or "Hardware".
    let model = ["model name", "Model", "Hardware"]
        .iter()
        .find_map(|k| field(&cpuinfo, k));
    let ram_kb = field(&read("/proc/meminfo"), "MemTotal")
        .and_then(|v| number::<f64>("MemTotal", v.split(' ').next()?).ok());
    format!(
        "machine: {}, {cores} cores, {:.1} GB RAM ({} {})",
        model.unwrap_or_else(|| "unknown CPU".into()),
        ram_kb.unwrap_or(0.0) / 1024.0 / 1024.0,
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_stat_survives_odd_command_names() {
        let stat = "42 (cam (rig) x) S 1 42 42 0 -1 4194560 100 0 0 0 250 31 0 0 20 0 9 0 1 2";
        assert_eq!(parse_stat_ticks(stat), Some(281));
        assert_eq!(parse_stat_name(stat).as_deref(), Some("cam (rig) x"));
        assert_eq!(parse_stat_ticks("garbage"), None);
    }

    #[test]
    fn machine_busy_time_leaves_out_idle_and_iowait() {
        let line = "cpu  100 5 50 9000 30 1 2 3 0 0";
        assert_eq!(parse_machine_busy(line), Some(161));
        assert_eq!(parse_machine_busy("cpu0 1 2 3"), None);
        assert!(machine_busy_ticks().is_some());
    }

    #[test]
    fn cpu_lists_parse() {
        assert_eq!(parse_cpu_list("0-2,5"), [0, 1, 2, 5]);
        assert_eq!(parse_cpu_list("1"), [1]);
        assert_eq!(parse_cpu_list(""), Vec::<usize>::new());
        assert_eq!(cpu_list(&[0, 1, 3]), "0,1,3");
    }

    #[test]
    fn this_process_is_readable() {
        let pid = std::process::id();
        assert!(cpu_ticks(pid).is_some());
        let threads = threads(pid).unwrap_or_default();
        assert!(threads.contains_key(&pid), "the main thread is listed");
        assert!(memory_mb(pid).is_some_and(|(rss, peak)| rss > 0.0 && peak >= rss));
        assert!(!allowed_cpus(pid).is_empty());
    }
}
