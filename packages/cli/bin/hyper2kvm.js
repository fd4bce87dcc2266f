#!/usr/bin/env node
// A checked-in entry point, so npm can link the `hyper2kvm` command at
// install time, before `dist/` is built.
import '../dist/bin.js';
