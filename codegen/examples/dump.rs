//! Prints the files generated from a spec directory (for inspecting fixtures).
fn main() {
    let dir = std::env::args().nth(1).expect("usage: dump <spec dir>");
    match allmhub_codegen::generate(std::path::Path::new(&dir)) {
        Ok(files) => {
            for file in files {
                println!("===== {}\n{}", file.path.display(), file.contents);
            }
        }
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    }
}
