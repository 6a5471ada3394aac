CREATE TYPE mood AS ENUM ('happy', 'sad');
COMMENT ON TYPE mood IS 'feelings';
