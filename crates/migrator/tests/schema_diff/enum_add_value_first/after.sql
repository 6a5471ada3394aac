CREATE TYPE mood AS ENUM ('ecstatic', 'happy', 'sad');
