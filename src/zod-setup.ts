// zod as every schema here uses it, imported for its effect before any schema is built (zod
// reads the setting when it builds an object schema). zod compiles a parser for each object
// schema the first time it parses one (new Function); a command parses each schema once or
// twice, so compiling costs more than it saves (about 1.5 ms per config, 2 ms per state document).
import * as z from 'zod';

z.config({ jitless: true });
