fn main() -> std::process::ExitCode {
    vaultsec::cli::main()
}
