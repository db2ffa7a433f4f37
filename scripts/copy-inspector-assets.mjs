#!/usr/bin/env node
// tsc emits only what it compiles: the inspector's page, script and styles are copied beside the
// compiled module, where it reads them (`new URL('./assets/…', import.meta.url)`).
import { cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const nestjs = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'nestjs');
cpSync(join(nestjs, 'src', 'inspector', 'assets'), join(nestjs, 'dist', 'inspector', 'assets'), { recursive: true });
