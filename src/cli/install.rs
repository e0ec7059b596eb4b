//! What an operator copies onto a jump host beside the binary: shell completions and the
//! manual page, both generated from the same clap definitions as `--help`, so they cannot
//! drift from the commands.

use std::io::Write;

use clap::{CommandFactory, ValueEnum};

use super::Cli;

/// The shells `ddb-ferry completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    fn generator(self) -> clap_complete::Shell {
        match self {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
        }
    }
}

/// The completion script of `shell`.
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell.generator(), &mut command, "ddb-ferry", &mut out);
    out
}

/// The manual page, in roff.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    Ok(out)
}

/// `ddb-ferry completions SHELL`: the script on stdout; the exit code.
pub fn completions(shell: Shell) -> i32 {
    write_stdout(&completion_script(shell))
}

/// `ddb-ferry man`: the page on stdout; the exit code.
pub fn man() -> i32 {
    match man_page() {
        Ok(page) => write_stdout(&page),
        Err(e) => {
            eprintln!("the manual page could not be made: {e}");
            1
        }
    }
}

fn write_stdout(bytes: &[u8]) -> i32 {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => 0,
        // A closed pipe (`| head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("could not write to stdout: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shell_completes_every_command() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = String::from_utf8(completion_script(shell)).unwrap();
            for command in [
                "run", "resume", "status", "compare", "validate", "exports", "check", "man",
            ] {
                assert!(script.contains(command), "{shell:?} lacks {command}");
            }
            assert!(script.contains("dry-run"), "{shell:?} lacks run's options");
        }
    }

    #[test]
    fn the_manual_page_is_roff_with_the_commands_and_exit_codes() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        assert!(
            page.starts_with(".ie") || page.contains(".TH ddb-ferry"),
            "{}",
            &page[..200]
        );
        assert!(page.contains(".TH ddb-ferry"));
        for text in ["run", "resume", "compare", "completions", "Exit codes"] {
            assert!(page.contains(text), "the page lacks {text}");
        }
    }
}
