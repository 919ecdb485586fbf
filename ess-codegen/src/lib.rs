//! ESS spec loader, checker and generator.
