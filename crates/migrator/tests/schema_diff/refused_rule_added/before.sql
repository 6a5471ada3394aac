CREATE TABLE r (a int);
