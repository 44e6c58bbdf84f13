// Common given names of children and young people in England and Wales (the most frequent names
// registered over the last two decades), lower case. Words that are also ordinary English words
// ("will", "grace", "hope", "may", "summer") are left out: they make the name signal noisy.
const NAMES = `
oliver george harry jack jacob noah charlie muhammad mohammed mohammad thomas oscar william james leo alfie henry joshua
freddie archie ethan isaac alexander joseph edward samuel max daniel arthur lucas mason logan theo harrison benjamin
adam sebastian finley dylan zachary riley teddy jayden toby luca elijah louie matthew jude reggie tommy ryan frankie
rory hugo albert stanley kai jenson jamie ronnie carter tyler luke caleb elliot nathan bobby arlo harvey callum
liam kyle connor jordan lewis aaron ben sam tom josh dan joe jake alex charles david michael christopher andrew
robert john paul richard stephen anthony kevin craig darren lee wayne dean shane gareth rhys owen evan aled
dafydd iwan cerys ffion seren lowri nia sian siân carys bethan megan ceri rhian
olivia amelia isla ava emily isabella mia poppy ella lily sophia sophie grace evie scarlett ruby chloe isabelle daisy
freya phoebe florence alice jessica sienna charlotte harper willow matilda elsie rosie emma lucy ivy esme eva maisie
layla millie evelyn hannah lola erin holly imogen eleanor aria ellie zara emilia molly thea georgia bella lexi
darcie darcey jasmine ayla nancy violet eliza maya mila harriet orla francesca aisha amira fatima maryam zainab hafsa
khadija aaliyah inaya hollie paige leah katie jade chelsea shannon courtney amy laura rebecca sarah rachel natalie
gemma jodie kayleigh stacey danielle nicole samantha abigail bethany kirsty lauren naomi niamh ciara aoife saoirse
caoimhe siobhan roisin eilidh ailsa kirsteen morag mhairi catriona fiona kirsty iona skye
aiden brandon declan kieran liam reece ross scott shaun stuart jamal tariq omar yusuf ibrahim hamza bilal zain ayaan
rayyan ali hassan hussain imran usman adnan faisal kacper jakub szymon filip oskar antoni zofia zuzanna julia maja
hanna lena alicja wiktoria oliwia amara chidi tobi femi kemi ade tunde ama kwame kofi yaw abena
marcus jermaine tyrone leon andre malachi nathaniel isaiah ezra jonah eli ruben reuben gabriel
raphael felix jasper rupert otis rafferty brody bradley jay jayce kian kobe kyran tate zac zack zak
amelie annabelle beatrice clara edith elizabeth hallie heidi iris kate katherine lara lilly lottie luna mollie
nellie niamh penelope ria sadie sara sofia tilly victoria zoe zoë anna maria eva gracie ivy-rose lacey
`;

/** Lower-case given names; a capitalised one beside child-case words is a person-like name. */
export const GIVEN_NAMES: ReadonlySet<string> = new Set(NAMES.split(/\s+/).filter(Boolean));
