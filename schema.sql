-- The reference stack's "models": the database as it should be. `admin db makemigrations -m "…"`
-- writes the migration (up and down) that takes the migrations' state here, proven by round trip.
CREATE TABLE items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
